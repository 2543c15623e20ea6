import './csp';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { captureLaunchToken } from './api';
import { App } from './app/App';
import { t } from './strings';
import './styles.css';

captureLaunchToken();
document.title = t.app.title;
createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);
