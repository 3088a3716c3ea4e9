/**
 * "Why can't I see this?" in plain words (issue 9): each reason the policy gives for a denial, in English (the
 * policy's own words) and in Chinese for the schools, hospitals and bureaus that use the hub. A reason names the
 * rule and the condition that is missing, never a value of the record. A test checks that every reason the Rego
 * policies can give is here.
 */
const ZH_CN: Readonly<Record<string, string>> = {
  unauthenticated: '未提供有效的机构签发令牌，无法识别您的身份。',
  'not permitted for this role': '您的角色无权执行此操作。',
  'the declared purpose does not cover this action': '本次请求声明的处理目的不涵盖此操作（《个人信息保护法》第六条，目的限定）。',
  'guardians must be notified in writing before a referral': '转介前须书面告知监护人，目前尚无告知记录。',
  'the crisis-assessment group must place the case in category 2 or 3': '须由危机评估小组将个案评定为二级或三级。',
  "the crisis-assessment group must decide the case exceeds the school's capacity": '须由危机评估小组认定个案超出学校处置能力。',
  'the recipient cannot receive referrals on this channel': '接收机构不受理此通道的转介。',
  'the new recipient cannot receive referrals on this channel': '新的接收机构不受理此通道的转介。',
  'the statutory duty opens the police note only for domestic violence, bullying or crimes against the child':
    '法定职责仅适用于家庭暴力、欺凌或针对儿童的违法犯罪类信号，其他类别的警方备注须有监护人同意或紧急情况。',
  'no guardian consent to share the police note with the school is on record': '没有监护人同意向学校提供警方备注的记录。',
  'no emergency has been declared': '尚未宣布紧急情况。',
  "no police bureau of the school's district is registered with the hub": '学校所在区尚无公安机关接入本平台，请电话报告并做好记录。',
  'a suspicion of harm stands against this guardian': '该监护人涉嫌为伤害来源，在此期间不予查阅或告知。',
  'nobody records or clears a concern about themselves': '任何人不得为本人记录或撤销涉嫌伤害的标记。',
  "a member of staff does not act on their own child's record": '教职工不得以工作身份处理本人子女的档案，由其他同事处理。',
};

export interface DenialExplanation {
  en: string[];
  'zh-CN': string[];
}

/** The policy's reasons in both languages; a reason without a translation is shown in English in both. */
export function explainDenial(reasons: readonly string[]): DenialExplanation {
  return { en: [...reasons], 'zh-CN': reasons.map((r) => ZH_CN[r] ?? r) };
}

/** Every reason the catalogue can translate (for the completeness test). */
export const TRANSLATED_REASONS: ReadonlySet<string> = new Set(Object.keys(ZH_CN));
