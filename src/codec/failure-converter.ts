// Loaded by path (DataConverter.failureConverterPath) in the worker, the client and the workflow bundle:
// failure messages and stack traces travel in an encoded payload, so the payload codec encrypts them too
// (an error message may quote an email). The UI and the clients decode them through the codec.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
