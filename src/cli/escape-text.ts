/**
 * Untrusted strings (entry names, media types, platforms, URLs, titles, annotations) reach text output and the
 * error line. A newline in one would forge a second `ferry:` line, and an escape sequence would reach the user's
 * terminal, so every control character — C0, DEL, C1, and the Unicode line and paragraph separators — is shown
 * as a visible escape instead. JSON output is exact and never passes through here.
 */
export function escapeText(text: string): string {
  return text.replace(CONTROL_CHARACTERS, escapeCharacter);
}

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeCharacter(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
