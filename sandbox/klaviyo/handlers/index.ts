/** Which handler serves which operation (by operationId of the pinned spec). */
import type { OperationHandler } from '../http/context.js';
import { bulkImportProfiles, getBulkImportErrors, getBulkImportJob } from './bulk-import.js';
import { getCampaignMessages, getCampaignMessageTemplate, getCampaigns, getTemplate } from './campaigns.js';
import { createWebhook, getCatalogItems, getMetrics, getWebhookTopics, getWebhooks } from './catalog-metrics-webhooks.js';
import { bulkCreateEvents, createEvent, getEvents } from './events.js';
import { getFlowActionMessages, getFlowActions, getFlowMessage, getFlowMessageTemplate, getFlows } from './flows.js';
import { addProfilesToList, removeProfilesFromList } from './lists.js';
import { requestProfileDeletion } from './privacy.js';
import { createOrUpdateProfile, createProfile, getProfile, getProfiles, updateProfile } from './profiles.js';
import { queryCampaignValues, queryFlowValues, queryMetricAggregates } from './reports.js';
import { getLists, getSegment, getSegmentProfiles, getSegments } from './segments.js';
import { bulkSubscribeProfiles, bulkUnsubscribeProfiles } from './subscriptions.js';

export const OPERATION_HANDLERS: Readonly<Record<string, OperationHandler>> = {
  create_or_update_profile: createOrUpdateProfile,
  create_profile: createProfile,
  get_profiles: getProfiles,
  get_profile: getProfile,
  update_profile: updateProfile,
  bulk_import_profiles: bulkImportProfiles,
  get_bulk_import_profiles_job: getBulkImportJob,
  get_errors_for_bulk_import_profiles_job: getBulkImportErrors,
  create_event: createEvent,
  get_events: getEvents,
  bulk_create_events: bulkCreateEvents,
  bulk_subscribe_profiles: bulkSubscribeProfiles,
  bulk_unsubscribe_profiles: bulkUnsubscribeProfiles,
  get_lists: getLists,
  add_profiles_to_list: addProfilesToList,
  remove_profiles_from_list: removeProfilesFromList,
  request_profile_deletion: requestProfileDeletion,
  get_segments: getSegments,
  get_segment: getSegment,
  get_profiles_for_segment: getSegmentProfiles,
  get_flows: getFlows,
  get_actions_for_flow: getFlowActions,
  get_flow_action_messages: getFlowActionMessages,
  get_flow_message: getFlowMessage,
  get_template_for_flow_message: getFlowMessageTemplate,
  get_campaigns: getCampaigns,
  get_messages_for_campaign: getCampaignMessages,
  get_template_for_campaign_message: getCampaignMessageTemplate,
  get_template: getTemplate,
  get_catalog_items: getCatalogItems,
  get_metrics: getMetrics,
  query_metric_aggregates: queryMetricAggregates,
  query_campaign_values: queryCampaignValues,
  query_flow_values: queryFlowValues,
  get_webhooks: getWebhooks,
  create_webhook: createWebhook,
  get_webhook_topics: getWebhookTopics,
};
