/**
 * Text an operator types (reasons, comments, notes) is stored, logged and sent to JSON
 * consumers: a lone UTF-16 surrogate (valid in a JS string and in JSON's "\ud800", not in
 * UTF-8) would be mangled or refused downstream, so it is refused where the text comes in.
 */

/** String.prototype.isWellFormed (Node 20; the ES2022 lib this project compiles against does not declare it). */
export function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

export const NOT_WELL_FORMED = 'must be well-formed Unicode (no lone surrogate)';
