/** A free port on 127.0.0.1 (one the system just gave out and took back). */
export declare const freePort: () => Promise<number>
