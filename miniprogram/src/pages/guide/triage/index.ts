// The triage (GET /api/triage): the centre's question tree, walked on the phone in the person's language. A date
// question branches on the one-year limit (劳动争议调解仲裁法 art. 27: one year from the day the person knew of
// the wrong); an amount question takes the "unknown" branch, since whether it is within the final-award limit
// needs the local minimum wage, which the server computes on the H5 pages but the API does not serve yet.
import { api } from '../../../lib/api/endpoints'
import { definePage, messageOf } from '../../../lib/page'

type Words = { zh: string; en: string }
interface TreeNode {
  kind: 'choice' | 'date' | 'region' | 'amount' | 'end'
  question?: Words
  help?: Words
  title?: Words
  text?: Words
  options?: { value: string; label: Words; next: string }[]
  next?: string | Record<string, string>
  actions?: string[]
}
interface Tree {
  start: string
  escape: string
  nodes: Record<string, TreeNode>
}

interface NodeView {
  id: string
  kind: TreeNode['kind']
  question: string
  help: string
  title: string
  text: string
  options: { value: string; label: string }[]
  apply: boolean
  calculator: boolean
}

let tree: Tree | null = null

function addYear(day: string): string {
  const [y, m, d] = day.split('-').map(Number)
  return `${y + 1}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
}

function today(): string {
  const now = new Date(Date.now() + 8 * 3600 * 1000) // Asia/Shanghai
  return now.toISOString().slice(0, 10)
}

definePage({
  data: { node: null as NodeView | null, history: [] as string[], value: '', today: today(), problem: '' },
  methods: {
    async onLoad() {
      try {
        tree = (await api.triage()) as unknown as Tree
        this.show(tree.start)
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.network_error) })
      }
    },
    words(value: Words | undefined): string {
      return value ? (this.data.lang === 'en' ? value.en : value.zh) : ''
    },
    show(id: string) {
      if (!tree) return
      const node = tree.nodes[id] || tree.nodes[tree.escape]
      const actions = node.actions || []
      this.setData({
        value: '',
        node: {
          id,
          kind: node.kind,
          question: this.words(node.question),
          help: this.words(node.help),
          title: this.words(node.title),
          text: this.words(node.text),
          options: (node.options || []).map((o) => ({ value: o.value, label: this.words(o.label) })),
          apply: actions.includes('apply'),
          calculator: actions.includes('calculator'),
        },
      })
    },
    go(next: string) {
      if (!this.data.node) return
      this.setData({ history: [...this.data.history, this.data.node.id] })
      this.show(next)
    },
    choose(event: WechatMiniprogram.TouchEvent) {
      const node = tree && this.data.node && tree.nodes[this.data.node.id]
      const option = node && (node.options || []).find((o) => o.value === event.currentTarget.dataset.value)
      if (option) this.go(option.next)
    },
    onValue(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ value: String(event.detail.value || '') })
    },
    onRegion(event: WechatMiniprogram.CustomEvent<{ value: { region_code: string | null } }>) {
      this.setData({ value: event.detail.value.region_code || '' })
    },
    proceed() {
      const node = tree && this.data.node && tree.nodes[this.data.node.id]
      if (!node || !tree) return
      const next = node.next
      if (typeof next === 'string') return this.go(next)
      if (!next) return this.go(tree.escape)
      if (node.kind === 'date') {
        if (!this.data.value) return
        return this.go(addYear(this.data.value) >= today() ? next.within : next.beyond)
      }
      return this.go(next.unknown || next.within || tree.escape)
    },
    back() {
      const history = this.data.history.slice()
      const previous = history.pop()
      this.setData({ history })
      if (previous) this.show(previous)
    },
    restart() {
      this.setData({ history: [] })
      if (tree) this.show(tree.start)
    },
    apply() {
      wx.navigateTo({ url: '/pages/apply/notice/index?kind=worker' })
    },
    calculator() {
      wx.navigateTo({ url: '/pages/guide/calculator/index' })
    },
  },
})
