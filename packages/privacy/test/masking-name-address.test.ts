import { describe, expect, it } from 'vitest';
import { COMPOUND_SURNAMES, mask } from '../src/index.ts';

describe('name', () => {
  it.each([
    // Chinese names keep the surname, one mask character per character.
    ['张', '*'],
    ['张三', '张*'],
    ['张三丰', '张**'],
    ['张三丰一', '张***'],
    ['欧阳修', '欧阳*'],
    ['欧阳娜娜', '欧阳**'],
    ['司马相如', '司马**'],
    ['诸葛亮', '诸葛*'],
    ['上官婉儿', '上官**'],
    ['歐陽修', '歐陽*'], // traditional characters
    ['欧阳', '欧*'], // a compound surname alone is read as surname + given name
    ['阿沛·阿旺晋美', '阿*·****'],
    [' 张三 ', ' 张* '],
    // Other names keep each part's first letter.
    ['John Smith', 'J*** S****'],
    ['Mary-Jane Watson', 'M***-J*** W*****'],
    ["Conan O'Brien", 'C**** O******'],
    ['José Álvarez', 'J*** Á******'],
    ['Zoë', 'Z**'],
    ['김민준', '김**'],
    ['Мария Иванова', 'М**** И******'],
    ['J', '*'],
    ['J. K.', '*. *.'], // only initials: nothing would be hidden, so all is
    ['John F Kennedy', 'J*** F K******'],
    // Emoji and the rest.
    ['😀', '*'],
    ['😀😀', '😀*'],
    ['👨‍👩‍👧', '*'],
    ['', ''],
    [' ', ' '],
  ])('%j → %j', (value, masked) => {
    expect(mask('name', value)).toBe(masked);
  });

  it('knows the compound surnames the convention lists', () => {
    for (const surname of '欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 澹台'.split(
      ' ',
    )) {
      expect(COMPOUND_SURNAMES.has(surname)).toBe(true);
      expect(mask('name', `${surname}小明`)).toBe(`${surname}**`);
    }
  });
});

describe('address', () => {
  it.each([
    ['浙江省杭州市西湖区文三路90号', '浙江省杭州市******'],
    ['浙江省杭州市', '浙江省杭州市******'],
    ['浙江省温州市鹿城区', '浙江省温州市******'],
    ['浙江杭州西湖区文三路', '浙江杭州******'],
    ['广东省深圳市南山区科技园', '广东省深圳市******'],
    ['北京市朝阳区建国路88号', '北京市朝阳区******'],
    ['上海市浦东新区世纪大道1号', '上海市浦东新区******'],
    ['重庆市石柱土家族自治县南宾镇', '重庆市石柱土家族自治县******'],
    ['北京市', '北京市******'],
    ['新疆维吾尔自治区乌鲁木齐市天山区', '新疆维吾尔自治区乌鲁木齐市******'],
    ['广西壮族自治区南宁市青秀区', '广西壮族自治区南宁市******'],
    ['内蒙古自治区锡林郭勒盟锡林浩特市', '内蒙古自治区锡林郭勒盟******'],
    ['云南省大理白族自治州大理市', '云南省大理白族自治州******'],
    ['吉林省延边朝鲜族自治州延吉市', '吉林省延边朝鲜族自治州******'],
    ['西藏自治区阿里地区噶尔县', '西藏自治区阿里地区******'],
    ['香港特别行政区九龙', '香港特别行政区******'],
    ['浙江省 杭州市 西湖区', '浙江省 杭州市******'],
    ['杭州市西湖区文三路', '杭州市******'],
    ['浙江省义乌国际商贸城市场', '浙江省******'], // no prefecture within reach: stop at the province
    ['西湖区文三路90号', '******'],
    ['文三路', '******'],
    // Not Chinese: keep the last comma-separated part unless it holds a digit.
    ['10 Downing Street, London, United Kingdom', '******, United Kingdom'],
    ['1600 Pennsylvania Ave NW, Washington, DC 20500, USA', '******, USA'],
    ['Musterstraße 1, 10117 Berlin', '******'],
    ['221B Baker Street', '******'],
    ['Hangzhou，China', '******, China'],
    ['', ''],
    ['x', '******'],
  ])('%j → %j', (value, masked) => {
    expect(mask('address', value)).toBe(masked);
  });
});
