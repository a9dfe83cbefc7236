import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { withoutInlineCompletion } from '../src/logic/inline';

describe('inline completion switch', () => {
  it('remove only the inline completion announcement from the capabilities', () => {
    const capabilities = {
      textDocument: { inlineCompletion: { dynamicRegistration: true }, hover: { dynamicRegistration: true } },
    };
    assert.deepEqual(withoutInlineCompletion(capabilities), { textDocument: { hover: { dynamicRegistration: true } } });
  });

  it('leave capabilities without a textDocument part as they are', () => {
    assert.deepEqual(withoutInlineCompletion({}), {});
  });
});
