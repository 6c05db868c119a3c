export { type ConvertedBlob, convertImage, type ConvertOptions, type ConvertResult } from './convert-image.js';
export { type LayerFacts, transcodeLayer } from './layer-transcode.js';
export { type ImageFormat, mediaTypeIn } from './media-types.js';
export { convertSchema1, EMPTY_GZIP_LAYER, SCHEMA1_SOURCE_ANNOTATION, type Schema1Conversion, type Schema1Source } from './schema1/convert-schema1.js';
export { type Schema1Signature, stripJws } from './schema1/jws.js';
