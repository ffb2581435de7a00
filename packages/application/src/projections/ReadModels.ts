/**
 * The read models of cim-nix (flakes, packages, configurations, the event log) and how to feed
 * them: each stored event is checked once as `DomainEvent.fromEnvelope` would decode it, and
 * the projectors read it in its JSON form (an event that does not decode stops the run with
 * `CorruptEvent`). Run them with `ProjectionRunner.catchUp(ReadModels.config)` (or `rebuild`,
 * `follow`); queries read them with `Projection.find` and `ProjectionStore.list`.
 */
import { Either } from "effect"
import type { EventEnvelope } from "@cim-nix/domain"
import { DomainEvent } from "@cim-nix/domain"
import { CorruptEvent } from "../ports/EventStore.js"
import * as Configurations from "./Configurations.js"
import * as EventLog from "./EventLog.js"
import * as Flakes from "./Flakes.js"
import * as Packages from "./Packages.js"
import type * as ProjectionRunner from "./ProjectionRunner.js"

/** Checks a stored envelope: its domain event in its JSON form (an `Either`, also usable as an `Effect`). */
export const check = (envelope: EventEnvelope.Encoded): Either.Either<DomainEvent.Encoded, CorruptEvent> =>
  Either.mapLeft(DomainEvent.checkEnvelope(envelope), (error) =>
    new CorruptEvent({
      store: "event store",
      position: envelope.position,
      eventId: envelope.eventId,
      reason: error.message,
      message: `event ${envelope.eventId} (${envelope.type} at position ${envelope.position}) does not decode: ${error.message}`,
      hint: error.hint
    }))

/** All read models, ready for the `ProjectionRunner`. */
export const config: ProjectionRunner.Config<DomainEvent.Encoded> = {
  projections: [Flakes.projection, Packages.projection, Configurations.projection, EventLog.projection],
  check
}
