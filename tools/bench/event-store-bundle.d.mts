/** Bundles `entry` into `outfile` (see event-store-bundle.mjs). */
export declare const bundle: (entry: string, outfile: string) => Promise<void>
/** The absolute path of the better-sqlite3 driver the SQLite adapter uses. */
export declare const betterSqlite3Path: string
