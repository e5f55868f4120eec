// The k largest entries of a row of scores (fill-mask's vocabulary logits, a row of cosines): one pass
// that keeps a sorted list of k, far cheaper than sorting the whole row when k is small.

/** Indices of the k largest values, largest first; ties go to the lower index; `skip` is never chosen. */
export function topIndices(values: Float32Array, k: number, skip = -1): number[] {
  const top: number[] = [];
  if (k <= 0) return top; // the loop below assumes a kth entry to beat
  for (let index = 0; index < values.length; index++) {
    if (index === skip) continue;
    const value = values[index]!;
    if (top.length === k) {
      if (value <= values[top[k - 1]!]!) continue;
      top.pop();
    }
    let at = top.length;
    while (at > 0 && values[top[at - 1]!]! < value) at--;
    top.splice(at, 0, index);
  }
  return top;
}
