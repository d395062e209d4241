// The catalog assistant's state for the console (issue 14, item 5): is it
// on for this server (GET /api/v1/assistant), and the reader's quota. The
// nav line and the panel show only while it is on.
import { reactive, watch } from 'vue'
import { get, session } from './api.js'

export const assistant = reactive({ enabled: false, checked: false, used: 0, quota: 0, model: '' })

export async function checkAssistant() {
  if (!session.user) {
    Object.assign(assistant, { enabled: false, checked: true })
    return
  }
  try {
    const d = await get('/assistant')
    Object.assign(assistant, { enabled: !!d.enabled, used: d.used_today || 0, quota: d.daily_quota || 0, model: d.model || '' })
  } catch {
    assistant.enabled = false
  }
  assistant.checked = true
}

watch(() => session.user && session.user.id, () => { checkAssistant() }, { immediate: true })
