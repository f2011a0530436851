// Reads a Quiver tensor file with Arrow JS and prints what another Arrow implementation sees, as
// JSON, for ArrowJsInteropTest to check. Usage: node read_tensors.mjs <file.arrow>
//
// Arrow JS knows nothing of arrow.fixed_shape_tensor, so this is exactly the view of a reader
// that relies only on the canonical field metadata, which is the point of the test.
import { readFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';

const EXTENSION_NAME = 'ARROW:extension:name';
const EXTENSION_METADATA = 'ARROW:extension:metadata';

const jsonNumber = (v) => (Object.is(v, -0) ? '-0' : Number.isFinite(v) ? v : String(v));

const path = process.argv[2];
if (!path) {
  console.error('usage: node read_tensors.mjs <file.arrow>');
  process.exit(2);
}

const table = tableFromIPC(readFileSync(path));
const columns = table.schema.fields.map((field) => {
  const metadata = field.metadata.get(EXTENSION_METADATA) ?? null;
  const item = field.type.children?.[0];
  // Row 0 of a FixedSizeList column is a vector of its list's values.
  const values = table.getChild(field.name).get(0)?.toArray() ?? null;
  return {
    name: field.name,
    extensionName: field.metadata.get(EXTENSION_NAME) ?? null,
    extensionMetadata: metadata,
    shape: metadata === null ? null : JSON.parse(metadata).shape,
    storageType: String(field.type),
    listSize: field.type.listSize ?? null,
    valueName: item?.name ?? null,
    valueType: item ? String(item.type) : null,
    // JSON has no NaN, infinities or negative zero: those become strings. The bytes carry the exact
    // bits, NaN payloads included.
    values: values === null ? null : Array.from(values, jsonNumber),
    bytes: values === null ? null : Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64'),
  };
});

console.log(JSON.stringify({ numRows: table.numRows, batches: table.batches.length, columns }));
