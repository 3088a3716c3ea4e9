/** JSON text as a value to validate, or null when it is not JSON (the schema then refuses it with its own message). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
