// The workflow bundle's entry: every workflow the worker runs.
export { syncFeatureRequests, type SyncInput } from './sync-feature-requests';
export { syncFeatureRequestPage, type PageInput } from './sync-page';
export { progressQuery, syncCompanySignal, type Progress } from './messages';
