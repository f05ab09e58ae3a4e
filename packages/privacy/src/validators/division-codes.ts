/*
 * The province-level prefixes of GB/T 2260 administrative division codes,
 * plus 71 (Taiwan), 81 (Hong Kong), 82 (Macao) and 83 (residence permits of
 * Taiwan residents). Checking the full county-level table would need a
 * dataset that changes every year and still reject old cards issued under
 * abolished codes; the province prefix catches invented numbers like 000000.
 */
const PROVINCES = new Set(
  '11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83'.split(
    ' ',
  ),
);

/** Whether six ASCII digits start with a province-level division code. */
export function isPlausibleAddressCode(code: string): boolean {
  return PROVINCES.has(code.slice(0, 2));
}
