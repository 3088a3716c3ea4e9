import type { ReferralChannel } from './referral-events.js';

export interface ReferralLetterFacts {
  code: string;
  channel: ReferralChannel;
  schoolName: string;
  recipientName: string;
  issuedAt: Date;
}

const CHANNEL_ZH: Record<ReferralChannel, string> = { OUTPATIENT: '门诊就诊', COUNSELLING: '心理咨询' };

const CHINA_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/** A calendar date as people in the bureaus' cities write it, in China Standard Time. */
function dateZh(at: Date): string {
  const [y, m, d] = CHINA_DATE.format(at).split('-');
  return `${y}年${m}月${d}日`;
}

/**
 * The referral letter the family carries to the hospital (zh-CN, printable plain text). It names the referral
 * code and the two agencies only: no reason, no assessment, nothing clinical, so a lost letter discloses little.
 */
export function referralLetterText(f: ReferralLetterFacts): string {
  return [
    '学生心理危机转介单（绿色通道）',
    '',
    `转介编号：${f.code}`,
    `转出学校：${f.schoolName}`,
    `接收机构：${f.recipientName}`,
    `转介方式：${CHANNEL_ZH[f.channel]}`,
    `开具日期：${dateZh(f.issuedAt)}`,
    '',
    '请监护人携带本转介单，陪同学生到接收机构就诊，并向接诊人员出示转介编号。',
    '接收机构凭转介编号调取转介信息，无需重复说明情况。',
    '本转介单不含学生姓名、诊断或评估内容，请妥善保管。',
  ].join('\n');
}
