export {
  CHAT_GENERATION_PROMPT_TOKENS,
  CHAT_TOKENS_PER_MESSAGE,
  countChatTokens,
  countTokens,
  messageText,
  renderChat,
  tokenize,
} from './word-tokenizer.ts';
export type { ChatContentPart, ChatMessage } from './word-tokenizer.ts';
