import type { Language } from '@onegate/identity';

export interface IntegrityMessages {
  title: string;
  allGood: string;
  problems: string;
  latestHeading: string;
  noCheckpoint: string;
  signedAt: string;
  treeSize: string;
  signature: string;
  signatureOk: string;
  signatureFailed: string;
  historyHeading: string;
  historyCaption: (count: number) => string;
  consistency: string;
  consistencyOk: string;
  consistencyFailed: string;
  consistencyFirst: string;
  witnessHeading: string;
  witnessNone: string;
  witnessNotYet: string;
  witnessOk: (size: number) => string;
  witnessFailed: (size: number) => string;
  verifyHeading: string;
  verifyNever: string;
  verifyOk: (size: number) => string;
  verifyFailed: (size: number, firstBad: number) => string;
  verifyRunning: string;
  verifyBy: (actor: string) => string;
  verifyNow: string;
  verifyHint: string;
  at: string;
  ok: string;
  failed: string;
}

export const INTEGRITY_MESSAGES: Record<Language, IntegrityMessages> = {
  'zh-CN': {
    title: '审计日志完整性',
    allGood: '所有检查均通过。',
    problems: '有检查未通过：审计日志可能已被篡改或不可用，请立即调查。',
    latestHeading: '最新检查点',
    noCheckpoint: '尚未签署检查点。',
    signedAt: '签署时间',
    treeSize: '树大小',
    signature: '签名',
    signatureOk: '签名有效',
    signatureFailed: '签名无效',
    historyHeading: '检查点历史',
    historyCaption: (count) => `最近 ${count} 个检查点，每对相邻检查点之间的一致性证明由服务器验证`,
    consistency: '与上一个的一致性',
    consistencyOk: '一致',
    consistencyFailed: '不一致',
    consistencyFirst: '—',
    witnessHeading: '见证人',
    witnessNone: '未配置见证人。',
    witnessNotYet: '尚未请求见证人联署任何检查点。',
    witnessOk: (size) => `最近一次联署成功（树大小 ${size}）`,
    witnessFailed: (size) => `最近一次联署失败（树大小 ${size}）`,
    verifyHeading: '完整验证',
    verifyNever: '尚未进行完整验证。',
    verifyOk: (size) => `通过：从存储的叶子重新计算了全部 ${size} 个条目的树`,
    verifyFailed: (size, firstBad) => `失败：${size} 个条目中，第 ${firstBad} 个起不可信`,
    verifyRunning: '完整验证正在后台进行，稍后刷新本页查看结果。',
    verifyBy: (actor) => `执行人：${actor}`,
    verifyNow: '立即完整验证',
    verifyHint: '从存储的每个叶子重新计算整棵树并与保存的节点和根比较；此操作会被审计。',
    at: '时间',
    ok: '通过',
    failed: '失败',
  },
  en: {
    title: 'Audit log integrity',
    allGood: 'Every check passed.',
    problems: 'A check FAILED: the audit log may have been tampered with or be unavailable. Investigate now.',
    latestHeading: 'Latest checkpoint',
    noCheckpoint: 'No checkpoint has been signed yet.',
    signedAt: 'Signed at',
    treeSize: 'Tree size',
    signature: 'Signature',
    signatureOk: 'Signature valid',
    signatureFailed: 'Signature NOT valid',
    historyHeading: 'Checkpoint history',
    historyCaption: (count) =>
      `The last ${count} checkpoints; the server verified a consistency proof between each consecutive pair`,
    consistency: 'Consistent with the one before',
    consistencyOk: 'Consistent',
    consistencyFailed: 'NOT consistent',
    consistencyFirst: '—',
    witnessHeading: 'Witnesses',
    witnessNone: 'No witness is configured.',
    witnessNotYet: 'Witnesses have not been asked to cosign a checkpoint yet.',
    witnessOk: (size) => `Last cosigning succeeded (tree size ${size})`,
    witnessFailed: (size) => `Last cosigning FAILED (tree size ${size})`,
    verifyHeading: 'Full verification',
    verifyNever: 'No full verification has been run yet.',
    verifyOk: (size) => `Passed: the tree of all ${size} entries was recomputed from the stored leaves`,
    verifyFailed: (size, firstBad) =>
      `FAILED: of ${size} entries, none from index ${firstBad} on can be trusted`,
    verifyRunning: 'A full verification is running in the background; reload this page later for its result.',
    verifyBy: (actor) => `Run by ${actor}`,
    verifyNow: 'Verify the whole log now',
    verifyHint:
      'Recomputes the whole tree from every stored leaf and compares it with the stored nodes and root; audited.',
    at: 'Time',
    ok: 'Passed',
    failed: 'FAILED',
  },
};
