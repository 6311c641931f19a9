// Valid application parts for the tests against the real server (the Python tests' samples, in JS).
const zlib = require('zlib')

/** An 18-character resident ID with its GB 11643 check digit. */
function residentId(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = first17.split('').reduce((s, d, i) => s + Number(d) * weights[i], 0)
  return first17 + '10X98765432'[sum % 11]
}

const WORKER = {
  applicant: {
    name: '张三',
    id_type: 'resident_id',
    id_number: residentId('31011519900307001'),
    nationality: 'CHN',
    gender: 'male',
    ethnicity: '汉族',
    birth_date: '1990-03-07',
    education: 'high_school',
    phone: '13812345678',
    address: '上海市浦东新区张江路100号',
    job_title: '仓库管理员',
    migrant_worker: true,
    contract_signed: false,
    work_location: '上海市浦东新区川沙路200号',
  },
  respondent: {
    name: '上海某某物流有限公司',
    industry: 'G',
    nature: 'private',
    address: { region_code: '310101002', detail: '南京东路100号' },
    legal_representative_name: '周五',
    contact_name: '李四',
    contact_phone: '13987654321',
  },
  claim: {
    amount: '12000.00',
    venue: 'employer_location',
    requests: '支付2026年8月至10月工资12000元',
    facts: '本人于2024年3月入职，公司自2026年8月起未支付工资。',
    employment_started: '2024-03-01',
    employment_ended: '2026-10-31',
    dispute_known_on: '2026-10-31',
  },
}

/** A small valid PNG (the server checks an upload by its content). */
function png(width = 32, height = 24) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (buf) => {
    let c = 0xffffffff
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type), data])
    const sum = Buffer.alloc(4)
    sum.writeUInt32BE(crc(body))
    return Buffer.concat([len, body, sum])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // RGB
  const rows = []
  for (let y = 0; y < height; y++) rows.push(Buffer.from([0, ...Array.from({ length: width * 3 }, (_, i) => (i * 7 + y * 13) % 256)]))
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

module.exports = { WORKER, residentId, png }
