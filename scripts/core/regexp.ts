/** `text` as a regular expression that matches exactly it (`/` escaped too, for a `new RegExp` built of parts). */
export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
