// Evidence: photos (wx.chooseMedia) and files from a chat (wx.chooseMessageFile), each uploaded at once with
// wx.uploadFile (POST /api/mp/files) and its progress shown; an upload that fails (the network went, the file was
// refused) keeps its place with the reason and a retry button. The draft names the files uploaded. Each file
// may say where it came from and what it proves (调解仲裁法 art. 28 (三)): PUT /api/mp/files/{id} when the person
// goes on, each problem beside its field.
import { ApiError, upload } from '../../../lib/api/client'
import { api } from '../../../lib/api/endpoints'
import type { Kind, StoredFile } from '../../../lib/api/types'
import * as drafts from '../../../lib/drafts'
import { flow, nextStep, stepUrl } from '../../../lib/forms'
import { definePage, messageOf } from '../../../lib/page'

interface Item {
  key: string
  name: string
  path: string
  state: 'uploading' | 'done' | 'failed'
  percent: number
  error: string
  stored: StoredFile | null
  source: string
  proves: string
  /** the notes as the server has them (sent again only when changed) */
  noted: string
  errors: Record<string, string>
}

const notesOf = (item: { source: string; proves: string }) => JSON.stringify([item.source, item.proves])

let counter = 0

definePage({
  data: { kind: 'worker' as Kind, items: [] as Item[], progress: '', problem: '', saving: false },
  methods: {
    async onLoad(query: Record<string, string>) {
      const kind = (query.kind === 'employer' ? 'employer' : 'worker') as Kind
      const steps = flow(kind)
      this.setData({ kind, progress: `${steps.indexOf('evidence') + 1} / ${steps.length}` })
      await drafts.restore(kind)
      const known = drafts.files(kind)
      const ids = ((drafts.values(kind) as { evidence?: string[] | null }).evidence || []) as string[]
      const items: Item[] = ids.map((id) => {
        const stored = known.find((f) => f.id === id) || null
        const notes = { source: (stored && stored.source) || '', proves: (stored && stored.proves) || '' }
        return { key: id, name: stored ? stored.name : id.slice(0, 8), path: '', state: 'done', percent: 100, error: '', stored, ...notes, noted: notesOf(notes), errors: {} }
      })
      this.setData({ items })
    },
    at(key: string): number {
      return this.data.items.findIndex((i) => i.key === key)
    },
    update(key: string, changes: Partial<Item>) {
      const at = this.at(key)
      if (at < 0) return
      const values: Record<string, unknown> = {}
      for (const name of Object.keys(changes)) values[`items[${at}].${name}`] = (changes as Record<string, unknown>)[name]
      this.setData(values)
    },
    add(path: string, name: string) {
      counter += 1
      const item: Item = { key: `new-${Date.now()}-${counter}`, name, path, state: 'uploading', percent: 0, error: '', stored: null, source: '', proves: '', noted: notesOf({ source: '', proves: '' }), errors: {} }
      this.setData({ items: [...this.data.items, item] })
      return this.send(item.key)
    },
    async send(key: string) {
      const item = this.data.items[this.at(key)]
      this.update(key, { state: 'uploading', percent: 0, error: '' })
      try {
        const stored = await upload(item.path, item.name, (percent) => this.update(key, { percent })).done
        this.update(key, { state: 'done', percent: 100, stored })
        this.keep()
      } catch (error) {
        this.update(key, { state: 'failed', error: error instanceof ApiError && error.network ? this.data.t.network_error : messageOf(error, this.data.t.error) })
      }
    },
    retry(event: WechatMiniprogram.CustomEvent) {
      return this.send(String(event.currentTarget.dataset.key))
    },
    remove(event: WechatMiniprogram.CustomEvent) {
      const key = String(event.currentTarget.dataset.key)
      this.setData({ items: this.data.items.filter((i) => i.key !== key) })
      this.keep()
    },
    onNote(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      const { key, note } = event.currentTarget.dataset as { key: string; note: 'source' | 'proves' }
      this.update(key, { [note]: event.detail.value } as Partial<Item>)
    },
    /** Send the notes that changed; false when one was refused (its problem shown beside its field). */
    async sendNotes(): Promise<boolean> {
      let ok = true
      for (const item of this.data.items) {
        if (item.state !== 'done' || !item.stored || notesOf(item) === item.noted) continue
        try {
          const stored = await api.noteFile(item.stored.id, { source: item.source, proves: item.proves })
          this.update(item.key, { stored: { ...stored, name: item.name }, noted: notesOf(item), errors: {} })
        } catch (error) {
          if (!(error instanceof ApiError) || !error.field) throw error
          this.update(item.key, { errors: error.byField() })
          ok = false
        }
      }
      this.keep()
      return ok
    },
    keep() {
      // the name the person knows (WeChat uploads a temporary file's name), with the notes
      const done = this.data.items
        .filter((i) => i.state === 'done' && i.stored)
        .map((i) => ({ ...(i.stored as StoredFile), name: i.name, source: i.source, proves: i.proves }))
      drafts.keep(this.data.kind, 'evidence', done.map((f) => f.id), done)
    },
    addPhoto() {
      wx.chooseMedia({
        count: 9,
        mediaType: ['image'],
        success: (result) => result.tempFiles.forEach((f, i) => this.add(f.tempFilePath, `照片${i + 1}.${(f.tempFilePath.split('.').pop() || 'jpg').toLowerCase()}`)),
      })
    },
    addFile() {
      wx.chooseMessageFile({
        count: 9,
        type: 'file',
        extension: ['pdf', 'doc', 'docx', 'jpg', 'jpeg', 'png', 'zip'],
        success: (result) => result.tempFiles.forEach((f) => this.add(f.path, f.name)),
      })
    },
    async next() {
      this.keep()
      this.setData({ saving: true, problem: '' })
      try {
        if (!(await this.sendNotes())) {
          this.setData({ problem: this.data.t.fix_fields })
          return
        }
        const saved = await drafts.sync(this.data.kind)
        if (saved === 'offline') wx.showToast({ title: this.data.t.saved_offline, icon: 'none' })
        wx.navigateTo({ url: stepUrl(this.data.kind, nextStep(this.data.kind, 'evidence') || 'review') })
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.error) })
      } finally {
        this.setData({ saving: false })
      }
    },
    back() {
      wx.navigateBack({ delta: 1 })
    },
  },
})
