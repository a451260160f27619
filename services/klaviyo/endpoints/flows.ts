import type { KlaviyoClient } from '../client.js';
import type { CallOptions, JsonApiDocument } from '../json-api.js';
import { klaviyoPageSize } from '../page-sizes.js';
import { paginate } from '../paginate.js';
import type { Flow, FlowAction, FlowMessage, Template } from '../resources.js';
import { readAllById, readById } from './by-id.js';
import { apiPath } from './path.js';

interface PagedOptions extends CallOptions {
  filter?: string;
  /** Asked for at most Klaviyo's maximum (50); a larger value reads more pages. */
  pageSize?: number;
}

/** Flows and their content. Every flow endpoint is the slow S tier (3/s, 60/m): cache results. */
export function createFlowEndpoints(client: KlaviyoClient) {
  return {
    /** GET /api/flows, every flow (e.g. `filter: equals(status,"live")`). */
    list(options: PagedOptions = {}): AsyncGenerator<Flow, void, undefined> {
      return paginate<Flow>(client, {
        limitClass: 'get_flows',
        path: '/api/flows',
        query: { filter: options.filter, 'page[size]': klaviyoPageSize('get_flows', options.pageSize) },
        signal: options.signal,
      });
    },

    /** GET /api/flows/{id}/flow-actions, every action of a flow. */
    actions(flowId: string, options: PagedOptions = {}): AsyncGenerator<FlowAction, void, undefined> {
      const read = paginate<FlowAction>(client, {
        limitClass: 'get_actions_for_flow',
        path: apiPath('/api/flows/{id}/flow-actions', { id: flowId }),
        query: { filter: options.filter, 'page[size]': klaviyoPageSize('get_actions_for_flow', options.pageSize) },
        signal: options.signal,
      });
      return readAllById('flow', flowId, read);
    },

    /** GET /api/flow-actions/{id}/flow-messages, every message of an action. */
    messages(actionId: string, options: PagedOptions = {}): AsyncGenerator<FlowMessage, void, undefined> {
      const read = paginate<FlowMessage>(client, {
        limitClass: 'get_flow_action_messages',
        path: apiPath('/api/flow-actions/{id}/flow-messages', { id: actionId }),
        query: { filter: options.filter, 'page[size]': klaviyoPageSize('get_flow_action_messages', options.pageSize) },
        signal: options.signal,
      });
      return readAllById('flow action', actionId, read);
    },

    /** GET /api/flow-messages/{id}. */
    async message(messageId: string, options: CallOptions = {}): Promise<FlowMessage> {
      const { body } = await readById('flow message', messageId, () =>
        client.request<JsonApiDocument<FlowMessage>>({
          limitClass: 'get_flow_message',
          method: 'GET',
          path: apiPath('/api/flow-messages/{id}', { id: messageId }),
          idempotent: true,
          signal: options.signal,
        }),
      );
      return body.data;
    },

    /** GET /api/flow-messages/{id}/template: the message's HTML and text. */
    async messageTemplate(messageId: string, options: CallOptions = {}): Promise<Template> {
      const { body } = await readById('flow message', messageId, () =>
        client.request<JsonApiDocument<Template>>({
          limitClass: 'get_template_for_flow_message',
          method: 'GET',
          path: apiPath('/api/flow-messages/{id}/template', { id: messageId }),
          idempotent: true,
          signal: options.signal,
        }),
      );
      return body.data;
    },
  };
}

export type FlowEndpoints = ReturnType<typeof createFlowEndpoints>;
