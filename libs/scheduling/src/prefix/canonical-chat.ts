/**
 * The one canonical text form of a chat request, used only for prefix hashing (never sent upstream).
 *
 * Layout (control characters cannot appear in normal prompts, so fields cannot run together):
 *
 *   [RS "tools" US <canonical JSON of tools>]                     when the request declares tools
 *   for each message, in order:
 *     RS <role> [":" <name>] US <content> [GS <canonical JSON of tool_calls>] [GS "id:" <tool_call_id>]
 *
 * RS = U+001E, US = U+001F, GS = U+001D. `content` is the string as given; an array of parts is
 * joined in order: a text part contributes its text, any other part (image_url, input_audio, ...)
 * contributes `FS <canonical JSON of the part>` (FS = U+001C). Canonical JSON sorts object keys
 * recursively and has no whitespace.
 *
 * Invariant (the reason for this shape): the serialization of messages[0..k] is a string prefix of
 * the serialization of messages[0..k+1], so a growing conversation keeps its cached prefix.
 * Whitespace, key order and JSON formatting of the client's body do not change the result.
 */
export interface ChatMessageLike {
  readonly role: string;
  readonly content?: unknown;
  readonly name?: unknown;
  readonly tool_calls?: unknown;
  readonly tool_call_id?: unknown;
}

const RS = '\u001e';
const US = '\u001f';
const GS = '\u001d';
const FS = '\u001c';

export function canonicalChatText(messages: readonly ChatMessageLike[], tools?: unknown): string {
  let out = '';
  if (tools !== undefined && tools !== null && !(Array.isArray(tools) && tools.length === 0)) {
    out += `${RS}tools${US}${canonicalJson(tools)}`;
  }
  for (const m of messages) {
    out += RS + m.role;
    if (typeof m.name === 'string' && m.name.length > 0) out += `:${m.name}`;
    out += US + contentText(m.content);
    if (m.tool_calls !== undefined && m.tool_calls !== null) out += GS + canonicalJson(m.tool_calls);
    if (typeof m.tool_call_id === 'string') out += `${GS}id:${m.tool_call_id}`;
  }
  return out;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (content === undefined || content === null) return '';
  if (!Array.isArray(content)) return FS + canonicalJson(content);
  let out = '';
  for (const part of content) {
    if (isTextPart(part)) out += part.text;
    else out += FS + canonicalJson(part);
  }
  return out;
}

function isTextPart(part: unknown): part is { type: 'text'; text: string } {
  if (typeof part !== 'object' || part === null) return false;
  const p = part as { type?: unknown; text?: unknown };
  return p.type === 'text' && typeof p.text === 'string';
}

/** JSON with object keys sorted recursively, no whitespace; `undefined` members are dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
