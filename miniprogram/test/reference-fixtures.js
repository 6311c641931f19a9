// Small answers of the reference endpoints for page tests (the real ones are checked against the server in
// test/client.test.js).
const REFERENCE = {
  id_types: [{ code: 'resident_id', label: '居民身份证' }, { code: 'passport', label: '护照' }],
  nationalities: [{ code: 'CHN', label: '中国' }],
  genders: [{ code: 'male', label: '男' }, { code: 'female', label: '女' }],
  educations: [{ code: 'high_school', label: '高中' }],
  industries: [{ code: 'G', label: '交通运输、仓储和邮政业' }],
  natures: [{ code: 'private', label: '私营企业' }],
  venues: [{ code: 'employer_location', label: '用人单位所在地' }],
}
const REGIONS = { parent: null, source: 'test', items: [{ code: '310000', name: '上海市', level: 'province', leaf: false }] }
const NOTICE = { version: '2026-01', title: '申请须知', text: '一、调解免费。', paragraphs: ['一、调解免费。', '二、如实填写。'] }

function routeReference(route) {
  route('GET', '/api/reference', [200, REFERENCE])
  route('GET', '/api/regions', [200, REGIONS])
  route('GET', '/api/notice', [200, NOTICE])
  route('POST', '/api/mp/session', [200, { token: 'tok-1', expires_in: 7200 }])
}

module.exports = { REFERENCE, REGIONS, NOTICE, routeReference }
