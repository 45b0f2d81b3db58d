// Search folding: what a German keyboard types matches how a name is written.
import anyAscii from "any-ascii";

/**
 * A name as a German keyboard types it: transliterated to ASCII (any-ascii: ı→i, ß→ss, æ→ae,
 * ø→o, đ→d, ł→l, ü→u), lower case, without spaces and hyphens, and ae/oe/ue read as a/o/u (so
 * "Mueller" finds "Müller"). Both the query and the rows are folded the same way.
 */
export function fold(text) {
  return anyAscii(String(text || "")).toLowerCase().replace(/[^a-z0-9.]/g, "").replace(/([aou])e/g, "$1");
}
