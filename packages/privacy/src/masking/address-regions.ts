/*
 * The first two levels of a Chinese address, read from its start. Names are
 * matched from fixed lists where the list is short (provinces) and by their
 * marker characters where it is long (prefectures, districts), with a length
 * cap so a marker deep inside the street part is never taken for a level.
 */

const MUNICIPALITIES = ['北京', '天津', '上海', '重庆'];
const PROVINCES = [
  ...'河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南'.split(' '),
  ...'四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门'.split(' '),
];
const PROVINCE_SUFFIXES = ['壮族自治区', '回族自治区', '维吾尔自治区', '自治区', '特别行政区', '省'];

/** Prefecture level under a province: cities (杭州市, or just 杭州), leagues (盟), prefectures (地区), autonomous prefectures. */
const PREFECTURE = [
  /^\p{Script=Han}{1,5}?(?:州市|市|盟|州)/u,
  /^\p{Script=Han}{1,5}?地区/u,
  /^\p{Script=Han}{1,9}?自治州/u,
];
/** District level under a municipality (朝阳区, 浦东新区, 密云县, 石柱土家族自治县). */
const DISTRICT = [/^\p{Script=Han}{1,4}?(?:新区|区|县)/u, /^\p{Script=Han}{1,8}?自治县/u];

function shortestMatch(patterns: readonly RegExp[], text: string): string {
  let best = '';
  for (const pattern of patterns) {
    const found = pattern.exec(text)?.[0];
    if (found !== undefined && (best === '' || found.length < best.length)) best = found;
  }
  return best;
}

/** What follows a level: optional spaces, then the next level's name, or '' when none is recognized. */
function nextLevel(patterns: readonly RegExp[], text: string): string {
  const spaces = /^\s*/.exec(text)?.[0] ?? '';
  const name = shortestMatch(patterns, text.slice(spaces.length));
  return name === '' ? '' : spaces + name;
}

/**
 * The province-level and prefecture-level prefix of a Chinese address:
 * `浙江省杭州市西湖区…` → `浙江省杭州市`, `北京市朝阳区…` → `北京市朝阳区`
 * (a municipality is itself prefecture level, so its district is kept),
 * `杭州市西湖区…` → `杭州市`. '' when the address does not start with one.
 */
export function regionPrefix(address: string): string {
  const municipality = MUNICIPALITIES.find((name) => address.startsWith(name));
  if (municipality !== undefined) {
    const level1 = address.startsWith(`${municipality}市`) ? `${municipality}市` : municipality;
    return level1 + nextLevel(DISTRICT, address.slice(level1.length));
  }
  const province = PROVINCES.find((name) => address.startsWith(name));
  if (province !== undefined) {
    const suffix = PROVINCE_SUFFIXES.find((s) => address.startsWith(s, province.length)) ?? '';
    const level1 = province + suffix;
    return level1 + nextLevel(PREFECTURE, address.slice(level1.length));
  }
  return shortestMatch(PREFECTURE, address);
}
