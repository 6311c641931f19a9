// A place as the API keeps it, {region_code, detail}: the GB/T 2260 region chosen level by level from
// GET /api/regions (province, city, county, then township or street), and the street address typed.
import { api } from '../../lib/api/endpoints'
import type { Region } from '../../lib/api/types'

interface Level {
  parent: string
  items: Region[]
  names: string[]
  index: number
  chosen: string
}

interface Value {
  region_code?: string | null
  detail?: string | null
}

Component({
  options: { addGlobalClass: true },
  properties: {
    value: { type: Object, value: {} },
    label: { type: String, value: '' },
    placeholder: { type: String, value: '' },
    detailLabel: { type: String, value: '' },
  },
  data: { levels: [] as Level[], detail: '', code: '' },
  lifetimes: {
    attached() {
      const value = (this.data.value || {}) as Value
      this.setData({ detail: value.detail || '', code: value.region_code || '' })
      this.load(0, '')
    },
  },
  methods: {
    async load(level: number, parent: string) {
      try {
        const answer = await api.regions(parent || undefined)
        const levels = (this.data.levels as Level[]).slice(0, level)
        if (!answer.items.length) return this.setData({ levels })
        const code = this.data.code as string
        const index = answer.items.findIndex((r) => code.startsWith(prefixOf(r.code)))
        levels.push({
          parent,
          items: answer.items,
          names: answer.items.map((r) => r.name),
          index: Math.max(index, 0),
          chosen: index >= 0 ? answer.items[index].name : '',
        })
        this.setData({ levels })
        if (index >= 0 && !answer.items[index].leaf && answer.items[index].code !== code) this.load(level + 1, answer.items[index].code)
      } catch (_error) {
        // no network: the picker stays as it is; the person can try again by choosing
      }
      return undefined
    },
    onPick(event: WechatMiniprogram.PickerChange) {
      const level = Number(event.currentTarget.dataset.level)
      const index = Number(event.detail.value)
      const levels = (this.data.levels as Level[]).slice(0, level + 1)
      const region = levels[level].items[index]
      levels[level] = { ...levels[level], index, chosen: region.name }
      this.setData({ levels, code: region.code })
      this.changed()
      if (!region.leaf) this.load(level + 1, region.code)
    },
    onDetail(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ detail: event.detail.value })
      this.changed()
    },
    changed() {
      this.triggerEvent('change', { value: { region_code: this.data.code || null, detail: this.data.detail } })
    },
  },
})

/** A region's own digits: 310000 → 31, 310100 → 3101, 310115 → 310115, 310115001 → 310115001. */
function prefixOf(code: string): string {
  if (code.length === 9) return code
  return code.replace(/(00)+$/, '') || code
}
