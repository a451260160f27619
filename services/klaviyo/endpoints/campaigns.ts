import type { KlaviyoClient } from '../client.js';
import { klaviyoFilter } from '../filters.js';
import type { CallOptions, JsonApiDocument } from '../json-api.js';
import { klaviyoPageSize } from '../page-sizes.js';
import { paginate } from '../paginate.js';
import type { Campaign, CampaignMessage, Template } from '../resources.js';
import { readAllById, readById } from './by-id.js';
import { apiPath } from './path.js';

export type CampaignChannel = 'email' | 'sms' | 'mobile_push';

export interface ListCampaignsOptions extends CallOptions {
  /** Klaviyo rejects a campaign read without a channel filter, so it is required here. */
  channel: CampaignChannel;
  /** More clauses, and-ed with the channel, e.g. `greater-or-equal(scheduled_at,2026-01-01T00:00:00Z)`. */
  filter?: string;
  /** Asked for at most Klaviyo's maximum (100); a larger value reads more pages. */
  pageSize?: number;
  sort?: string;
}

export function createCampaignEndpoints(client: KlaviyoClient) {
  return {
    /** GET /api/campaigns for one channel, every campaign. */
    list(options: ListCampaignsOptions): AsyncGenerator<Campaign, void, undefined> {
      return paginate<Campaign>(client, {
        limitClass: 'get_campaigns',
        path: '/api/campaigns',
        query: {
          filter: klaviyoFilter.and(klaviyoFilter.equals('messages.channel', options.channel), options.filter),
          'page[size]': klaviyoPageSize('get_campaigns', options.pageSize),
          sort: options.sort,
        },
        signal: options.signal,
      });
    },

    /** GET /api/campaigns/{id}/campaign-messages (no `page[size]`: Klaviyo takes none here). */
    messages(campaignId: string, options: CallOptions = {}): AsyncGenerator<CampaignMessage, void, undefined> {
      const read = paginate<CampaignMessage>(client, {
        limitClass: 'get_messages_for_campaign',
        path: apiPath('/api/campaigns/{id}/campaign-messages', { id: campaignId }),
        signal: options.signal,
      });
      return readAllById('campaign', campaignId, read);
    },

    /** GET /api/campaign-messages/{id}/template: the message's HTML and text. */
    async messageTemplate(messageId: string, options: CallOptions = {}): Promise<Template> {
      const { body } = await readById('campaign message', messageId, () =>
        client.request<JsonApiDocument<Template>>({
          limitClass: 'get_template_for_campaign_message',
          method: 'GET',
          path: apiPath('/api/campaign-messages/{id}/template', { id: messageId }),
          idempotent: true,
          signal: options.signal,
        }),
      );
      return body.data;
    },
  };
}

export type CampaignEndpoints = ReturnType<typeof createCampaignEndpoints>;
