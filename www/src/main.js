import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import App from './App.vue'
import { router } from './router.js'
import { restore } from './api.js'
import './style.css'

// Sign in again from this tab's refresh token (if any) before the first
// route guard runs, so a reload keeps the user where they were.
restore().finally(() => {
  createApp(App).use(ElementPlus).use(router).mount('#app')
})
