import { MemoryFlowStore } from '@sluice/flow-control';
import { runFlowStoreConformance } from '@sluice/flow-control/conformance';

runFlowStoreConformance('MemoryFlowStore', async ({ config, time }) => {
  const store = new MemoryFlowStore({ config, time });
  return {
    store,
    inbox: store.inboxReader(),
    loseState: async () => store.resetState(),
    cleanup: () => store.close(),
  };
});
