/** `value` as one shell word. */
export declare const shellQuote: (value: string | number) => string
/** Runs the shell command `cleanup` once this process has exited, however it exits. */
export declare const reapWhenGone: (cleanup: string) => void
