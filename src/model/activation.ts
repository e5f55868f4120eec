// The hidden activations a BertConfig can name (HF ACT2FN), shared by the encoder's feed-forward
// block and the masked-LM head's transform.
import { add, gelu, mul, pow, relu, tanh } from '../graph/ops.js';
import type { Tensor } from '../graph/tensor.js';
import type { HiddenAct } from './config.js';

export function hiddenActivation(kind: HiddenAct, x: Tensor): Tensor {
  switch (kind) {
    case 'gelu': return gelu(x);
    case 'relu': return relu(x);
    // HF's gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    case 'gelu_new': return mul(mul(x, add(tanh(mul(add(x, mul(pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI))), 1)), 0.5);
    default: throw new Error(`unsupported hidden_act '${String(kind)}' (gelu, gelu_new or relu)`);
  }
}
