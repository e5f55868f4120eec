/** An ONNX node attribute. Floats stay FLOAT even when integral (ORT rejects INT where FLOAT is due). */
export type Attribute =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly string: string };

export type Attributes = Readonly<Record<string, Attribute>>;

export function intAttr(attributes: Attributes, name: string, fallback: number): number {
  const attribute = attributes[name];
  return attribute !== undefined && 'int' in attribute ? attribute.int : fallback;
}

export function intsAttr(attributes: Attributes, name: string): readonly number[] | undefined {
  const attribute = attributes[name];
  return attribute !== undefined && 'ints' in attribute ? attribute.ints : undefined;
}

export function stringAttr(attributes: Attributes, name: string, fallback: string): string {
  const attribute = attributes[name];
  return attribute !== undefined && 'string' in attribute ? attribute.string : fallback;
}
