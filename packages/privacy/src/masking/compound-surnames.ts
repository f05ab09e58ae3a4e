/**
 * Two-character Chinese surnames (复姓) in common use. A name starting with
 * one keeps both characters (`欧阳娜娜` → `欧阳**`); it is only taken as a
 * compound surname when a given name follows, so `欧阳` alone stays `欧*`.
 */
export const COMPOUND_SURNAMES: ReadonlySet<string> = new Set([
  ...'欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 澹台'.split(' '),
  ...'端木 独孤 南宫 西门 呼延 万俟 闻人 赫连 申屠 太叔 公羊 淳于 单于 濮阳 司空 百里 东郭 第五'.split(' '),
  // Traditional forms, for names written in Hong Kong, Macao and Taiwan.
  ...'歐陽 司馬 諸葛 皇甫 尉遲 公孫 慕容 長孫 宇文 司徒 夏侯 軒轅 令狐 鍾離 澹臺 獨孤 南宮 東方'.split(' '),
]);
