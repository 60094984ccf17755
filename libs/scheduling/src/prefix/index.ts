// Prefix hashing and the prefix index contract + in-memory implementation.
// The conformance suite is in './prefix-index-conformance.ts' (imports vitest; not exported here).
export type { BlockHash, PrefixHashOptions, ResolvedPrefixHashOptions } from './prefix-hasher.ts';
export { PrefixHasher, resolvePrefixHashOptions, CHARS_PER_TOKEN, MIN_BLOCK_SIZE_TOKENS } from './prefix-hasher.ts';
export type { ChatMessageLike } from './canonical-chat.ts';
export { canonicalChatText, canonicalJson } from './canonical-chat.ts';
export type { PrefixIndex, PrefixLookup } from './prefix-index.ts';
export { DEFAULT_LRU_CAPACITY_BLOCKS, assertCapacity, capacityFromCacheConfig, blocksToEvictAfterFeedback } from './prefix-index.ts';
export { MemoryPrefixIndex } from './memory-prefix-index.ts';
export type { PrefixMatchInfo, PromptBodyLike, PromptHashes } from './prefix-producer.ts';
export { PrefixProducer, promptText } from './prefix-producer.ts';
export { CapacityAutoTuner } from './capacity-auto-tuner.ts';
