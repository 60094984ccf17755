/**
 * The word tokenizer shared by the simulator (apps/model-sim) and the load generator (loadtest/).
 *
 * Contract:
 * - A plain prompt of N whitespace-separated words is exactly N tokens. Runs of whitespace
 *   (spaces, tabs, newlines) separate words and are not tokens themselves.
 * - A chat conversation is rendered through a fixed template (see {@link renderChat}), which adds
 *   CHAT_TOKENS_PER_MESSAGE tokens per message plus CHAT_GENERATION_PROMPT_TOKENS once at the end.
 *   So `countChatTokens(messages) = Σ words(content_i) + 3·messages + 2`.
 *
 * The template tokens look like ChatML (`<|im_start|>role … <|im_end|>`), which is what the
 * Qwen models in our profiles use, so the simulated prefix cache sees the same block boundaries a
 * real server would see for "same system prompt, different question".
 */

/** Tokens the template adds around every message: `<|im_start|>`, the role, `<|im_end|>`. */
export const CHAT_TOKENS_PER_MESSAGE = 3;
/** Tokens the template appends once to open the assistant's turn: `<|im_start|>`, `assistant`. */
export const CHAT_GENERATION_PROMPT_TOKENS = 2;

const WHITESPACE = /\s+/u;

/** Splits text into word tokens. Empty or whitespace-only text has no tokens. */
export function tokenize(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.length === 0) return [];
  return trimmed.split(WHITESPACE);
}

/** Number of word tokens in `text`, without allocating the token array. */
export function countTokens(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const isSpace = code === 32 || (code >= 9 && code <= 13) || code === 160 || code === 0x2028 || code === 0x2029 || code === 0xfeff || (code >= 0x2000 && code <= 0x200a) || code === 0x1680 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0x85;
    if (isSpace) inWord = false;
    else if (!inWord) {
      inWord = true;
      count++;
    }
  }
  return count;
}

/** One part of an OpenAI multi-part message content. Only text parts carry tokens here. */
export interface ChatContentPart {
  type: string;
  text?: string;
}

/** The subset of an OpenAI chat message that the template reads. */
export interface ChatMessage {
  role: string;
  content?: string | ChatContentPart[] | null;
}

/** Text of a message's content: a string as is, or the text parts joined by a space. */
export function messageText(content: ChatMessage['content']): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .filter((part) => part.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text as string)
    .join(' ');
}

/**
 * Renders a conversation to its token sequence:
 * for each message `<|im_start|>`, role, …content words…, `<|im_end|>`; then `<|im_start|>`, `assistant`.
 */
export function renderChat(messages: readonly ChatMessage[]): string[] {
  const tokens: string[] = [];
  for (const message of messages) {
    tokens.push('<|im_start|>', message.role);
    for (const word of tokenize(messageText(message.content))) tokens.push(word);
    tokens.push('<|im_end|>');
  }
  tokens.push('<|im_start|>', 'assistant');
  return tokens;
}

/** Token count of a conversation under {@link renderChat}'s template. */
export function countChatTokens(messages: readonly ChatMessage[]): number {
  let total = CHAT_GENERATION_PROMPT_TOKENS;
  for (const message of messages) total += CHAT_TOKENS_PER_MESSAGE + countTokens(messageText(message.content));
  return total;
}
