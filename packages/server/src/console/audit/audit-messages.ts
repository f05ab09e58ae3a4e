import type { Language } from '@onegate/identity';

/** Texts of audit search, event detail and "prove it". Plain text, escaped when shown. */
export interface AuditMessages {
  searchTitle: string;
  filtersHeading: string;
  from: string;
  to: string;
  timesHint: string;
  actor: string;
  subject: string;
  subjectHint: string;
  action: string;
  outcome: string;
  anyOutcome: string;
  outcomes: Record<'success' | 'failure' | 'denied', string>;
  department: string;
  app: string;
  purpose: string;
  search: string;
  clear: string;
  invalidFilter: string;
  resultsCaption: (count: number, more: boolean) => string;
  noResults: string;
  time: string;
  index: string;
  details: string;
  open: (index: number) => string;
  nextPage: string;
  exportHeading: string;
  format: string;
  exportButton: string;
  exportHint: string;
  eventTitle: (index: number) => string;
  fieldsHeading: string;
  rawHeading: string;
  backToSearch: string;
  notFound: string;
  pruned: string;
  proveHeading: string;
  proveIntro: string;
  checkpointHeading: string;
  signatureChecked: string;
  signatureFailed: string;
  signatureNote: string;
  treeSize: string;
  signedRoot: string;
  leafHeading: string;
  proofHeading: string;
  proofEmpty: string;
  recomputedRoot: string;
  stateLabel: string;
  verifying: string;
  verified: string;
  failed: string;
  noScript: string;
}

export const AUDIT_MESSAGES: Record<Language, AuditMessages> = {
  'zh-CN': {
    searchTitle: '审计查询',
    filtersHeading: '筛选条件',
    from: '开始时间（UTC）',
    to: '结束时间（UTC，不含）',
    timesHint: '时间均为协调世界时（UTC）。',
    actor: '操作者',
    subject: '数据主体',
    subjectHint: '数据主体可能是身份证号：它只随表单提交，不出现在网址中。',
    action: '操作',
    outcome: '结果',
    anyOutcome: '全部',
    outcomes: { success: '成功', failure: '失败', denied: '拒绝' },
    department: '部门',
    app: '应用（client_id）',
    purpose: '用途',
    search: '查询',
    clear: '清除条件',
    invalidFilter: '筛选条件无效：',
    resultsCaption: (count, more) => `结果：${count} 条${more ? '（还有更多）' : ''}，最新的在前`,
    noResults: '没有符合条件的事件。',
    time: '时间',
    index: '序号',
    details: '详情',
    open: (index) => `查看事件 ${index}`,
    nextPage: '下一页',
    exportHeading: '导出当前筛选结果',
    format: '格式',
    exportButton: '导出',
    exportHint: '导出所有符合条件的事件；导出操作本身会被审计。',
    eventTitle: (index) => `审计事件 #${index}`,
    fieldsHeading: '字段',
    rawHeading: '原始记录（规范化 JSON）',
    backToSearch: '返回审计查询',
    notFound: '没有这个序号的事件。',
    pruned: '此事件已超过保留期限，内容已删除；其哈希仍在日志中。',
    proveHeading: '证明此事件在日志中',
    proveIntro:
      '下面是最新的已签名检查点、此事件的叶子字节和包含证明。本页脚本在您的浏览器中用 Web Crypto SHA-256（RFC 6962 / RFC 9162）重新计算根哈希，并与签名的根哈希比较。',
    checkpointHeading: '最新检查点（C2SP 签名注记）',
    signatureChecked: '签名已由服务器用日志公布的密钥验证通过',
    signatureFailed: '签名验证失败',
    signatureNote: '检查点的签名由服务器验证；根哈希的重新计算在浏览器中进行。',
    treeSize: '树大小',
    signedRoot: '签名的根哈希',
    leafHeading: '叶子字节（base64）',
    proofHeading: '包含证明（十六进制哈希）',
    proofEmpty: '证明为空：此事件是树中唯一的叶子。',
    recomputedRoot: '重新计算的根哈希',
    stateLabel: '浏览器验证结果',
    verifying: '正在验证…',
    verified: '已验证：重新计算的根哈希与签名的根哈希一致',
    failed: '失败：重新计算的根哈希与签名的根哈希不一致',
    noScript: '需要启用 JavaScript 才能在浏览器中验证。',
  },
  en: {
    searchTitle: 'Audit search',
    filtersHeading: 'Filters',
    from: 'From (UTC)',
    to: 'To (UTC, exclusive)',
    timesHint: 'Times are in Coordinated Universal Time (UTC).',
    actor: 'Actor',
    subject: 'Data subject',
    subjectHint:
      'A data subject may be an ID number: it is only ever sent in the form, never in the address.',
    action: 'Action',
    outcome: 'Outcome',
    anyOutcome: 'Any',
    outcomes: { success: 'Success', failure: 'Failure', denied: 'Denied' },
    department: 'Department',
    app: 'App (client_id)',
    purpose: 'Purpose',
    search: 'Search',
    clear: 'Clear filters',
    invalidFilter: 'The filters are not valid: ',
    resultsCaption: (count, more) =>
      `Results: ${count}${more ? ' (more on the next page)' : ''}, newest first`,
    noResults: 'No event matches these filters.',
    time: 'Time',
    index: 'Index',
    details: 'Details',
    open: (index) => `Open event ${index}`,
    nextPage: 'Next page',
    exportHeading: 'Export the current filter',
    format: 'Format',
    exportButton: 'Export',
    exportHint: 'Exports every matching event; the export itself is audited.',
    eventTitle: (index) => `Audit event #${index}`,
    fieldsHeading: 'Fields',
    rawHeading: 'Stored record (canonical JSON)',
    backToSearch: 'Back to audit search',
    notFound: 'There is no event with that index.',
    pruned: 'This event is past the retention period and its content was removed; its hash stays in the log.',
    proveHeading: 'Prove this event is in the log',
    proveIntro:
      "Below are the latest signed checkpoint, this event's leaf bytes and its inclusion proof. This page's script recomputes the root in your browser with Web Crypto SHA-256 (RFC 6962 / RFC 9162) and compares it with the signed root.",
    checkpointHeading: 'Latest checkpoint (C2SP signed note)',
    signatureChecked: "Signature verified by the server with the log's published key",
    signatureFailed: 'Signature verification FAILED',
    signatureNote:
      "The checkpoint's signature is checked by the server; the root is recomputed in your browser.",
    treeSize: 'Tree size',
    signedRoot: 'Signed root',
    leafHeading: 'Leaf bytes (base64)',
    proofHeading: 'Inclusion proof (hex hashes)',
    proofEmpty: 'The proof is empty: this event is the only leaf of the tree.',
    recomputedRoot: 'Recomputed root',
    stateLabel: 'Verification in this browser',
    verifying: 'Verifying…',
    verified: 'Verified: the recomputed root equals the signed root',
    failed: 'FAILED: the recomputed root does not equal the signed root',
    noScript: 'Turn on JavaScript to verify in this browser.',
  },
};
