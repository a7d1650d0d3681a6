// The data converter every client and worker of the project uses: the payload codec when keys are
// configured, and failures encoded into payloads always (the workflow bundle carries one failure converter).
import type { DataConverter } from '@temporalio/common';
import type { PayloadKeys } from './keys';
import { EncryptionCodec } from './payload-codec';

/** For bundleWorkflowCode and Worker.create: the module path, since the workflow sandbox loads it itself. */
export const failureConverterPath = require.resolve('./failure-converter');

/**
 * `namespace`: the Temporal namespace the payloads are read in (bound ones of another are refused); `bind`:
 * whether new payloads are bound to it (src/codec/payload-codec.ts).
 */
export function dataConverterFor(
  keys: PayloadKeys | undefined,
  namespace?: string,
  bind = false,
): DataConverter {
  return {
    failureConverterPath,
    ...(keys ? { payloadCodecs: [new EncryptionCodec(keys, namespace, bind)] } : {}),
  };
}
