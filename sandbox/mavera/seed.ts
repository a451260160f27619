import type { SandboxPersona } from './state.js';

/** Deterministic starting data: a few read-only base personas and the generation apps. */
export interface SandboxGenerationApp {
  id: string;
  object: 'generation_app';
  name: string;
  description: string;
  category: string;
  input_fields: Array<{ name: string; type: 'text' | 'textarea'; required: boolean }>;
}

const BASE_CREATED_AT = 1_706_140_800;

export function seedBasePersonas(): SandboxPersona[] {
  const base = [
    ['base_001', 'Budget-Conscious Parent', 'Consumer'],
    ['base_002', 'Tech Early Adopter', 'Consumer'],
    ['base_003', 'Small Business Owner', 'Business'],
  ] as const;
  return base.map(([id, name, category]) => ({
    id,
    object: 'persona',
    name,
    category,
    description: `${name} (base persona)`,
    is_custom: false,
    is_expert: false,
    created_at: BASE_CREATED_AT,
    details: {},
  }));
}

export function seedGenerationApps(): SandboxGenerationApp[] {
  const text = (name: string, required = false) => ({ name, type: 'textarea' as const, required });
  return [
    {
      id: 'email-rewrite',
      object: 'generation_app',
      name: 'Email Rewrite',
      description: 'Rewrites an email (subject, preview, body) for a goal and audience.',
      category: 'email',
      input_fields: [text('subject', true), text('preview_text'), text('body', true), text('goal'), text('metrics')],
    },
    {
      id: 'sms-copy',
      object: 'generation_app',
      name: 'SMS Copy',
      description: 'Short promotional SMS copy.',
      category: 'sms',
      input_fields: [text('topic', true), text('tone')],
    },
    {
      id: 'blog-post-generator',
      object: 'generation_app',
      name: 'Blog Post Generator',
      description: 'Long-form blog post from a topic and key points.',
      category: 'content',
      input_fields: [text('topic', true), text('target_audience'), text('tone'), text('key_points')],
    },
  ];
}
