import type { KlaviyoReads } from './klaviyo-reads.js';

/**
 * Wraps the Klaviyo reads so each request made for a run is counted into its usage: one per
 * single call, one per page of a paged read. Cached reads never reach this layer, so they cost 0.
 */
export function countingKlaviyoReads(reads: KlaviyoReads, onRequest: () => void): KlaviyoReads {
  const countPages = <T>(pages: AsyncIterable<T[]>): AsyncIterable<T[]> => ({
    async *[Symbol.asyncIterator]() {
      for await (const page of pages) {
        onRequest();
        yield page;
      }
    },
  });
  const countCall = async <T>(call: Promise<T>): Promise<T> => {
    try {
      return await call;
    } finally {
      onRequest();
    }
  };
  return {
    profilesWithPredictions: (o) => countPages(reads.profilesWithPredictions(o)),
    segments: (o) => countPages(reads.segments(o)),
    segmentMemberIds: (id, o) => countPages(reads.segmentMemberIds(id, o)),
    flows: (o) => countPages(reads.flows(o)),
    flowActionIds: (id, o) => countPages(reads.flowActionIds(id, o)),
    flowMessages: (id, o) => countPages(reads.flowMessages(id, o)),
    flowMessageTemplate: (id, o) => countCall(reads.flowMessageTemplate(id, o)),
    metricIdByName: (name, o) => countCall(reads.metricIdByName(name, o)),
    flowValuesReport: (q, o) => countCall(reads.flowValuesReport(q, o)),
    campaigns: (channel, o) => countPages(reads.campaigns(channel, o)),
    campaignValuesReport: (q, o) => countCall(reads.campaignValuesReport(q, o)),
    catalogItems: (o) => countPages(reads.catalogItems(o)),
    orderEvents: (o) => countPages(reads.orderEvents(o)),
  };
}
