// Every page is built with the Component constructor (WeChat allows it for pages, and miniprogram-simulate renders
// it in the tests). definePage adds what every page shares: its words in the person's language (`t`), the large
// display (`large`), and typed `this.data` / `this.setData` for the page's own code.
import { strings, type Strings } from './i18n'
import { lang, large, type Lang } from './prefs'

export interface Common {
  t: Strings
  lang: Lang
  large: boolean
}

export interface PageContext<D> {
  data: D & Common
  setData(values: Partial<D & Common> & Record<string, unknown>, callback?: () => void): void
  applyPrefs(): void
  createSelectorQuery(): WechatMiniprogram.SelectorQuery
}

type Methods = Record<string, (...args: any[]) => any> // eslint-disable-line @typescript-eslint/no-explicit-any

export function common(): Common {
  const which = lang()
  return { t: strings(which), lang: which, large: large() }
}

export function definePage<D extends object, M extends Methods>(spec: { data: D; methods: M & ThisType<PageContext<D> & M> }): void {
  Component({
    data: { ...spec.data, ...common() },
    methods: {
      ...spec.methods,
      applyPrefs(this: PageContext<D>) {
        this.setData(common() as Partial<D & Common>)
      },
    },
    lifetimes: {
      attached(this: PageContext<D>) {
        this.applyPrefs()
      },
    },
  } as any) // eslint-disable-line @typescript-eslint/no-explicit-any -- typed by spec above
}

/** The message an unknown failure shows: the API's own when it gave one. */
export function messageOf(error: unknown, fallback: string): string {
  return error instanceof Error && error.message ? error.message : fallback
}

export function toast(title: string): void {
  wx.showToast({ title, icon: 'none', duration: 2500 })
}
