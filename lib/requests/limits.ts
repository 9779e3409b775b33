/** Limits of request texts, shared by the server's checks and the form (safe in the browser). */
export const REASON_MIN = 10;
export const REASON_MAX = 500;
export const NOTE_MAX = 500;
