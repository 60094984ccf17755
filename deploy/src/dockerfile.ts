/** One instruction of a Dockerfile (continuation lines joined), with the build stage it belongs to. */
export interface DockerInstruction {
  readonly keyword: string;
  readonly args: string;
  /** Stage name (`AS name`) or index of the stage. */
  readonly stage: string;
}

export interface ParsedDockerfile {
  readonly args: Record<string, string>;
  readonly stages: Array<{ name: string; from: string }>;
  readonly instructions: DockerInstruction[];
}

/** A small parser for the Dockerfile subset we use: comments, `\` continuations, ARG defaults, FROM … AS. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  const args: Record<string, string> = {};
  const stages: Array<{ name: string; from: string }> = [];
  const instructions: DockerInstruction[] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const upper = keyword.toUpperCase();
    const body = rest.join(' ');
    if (upper === 'ARG' && stages.length === 0) {
      const [name = '', value = ''] = body.split('=');
      args[name] = value;
    }
    if (upper === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(body);
      const from = (match?.[1] ?? body).replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? '');
      stages.push({ name: match?.[2] ?? String(stages.length), from });
    }
    instructions.push({ keyword: upper, args: body, stage: stages.at(-1)?.name ?? 'global' });
  }
  return { args, stages, instructions };
}

/** Minimal .dockerignore matcher: `**` any depth, `*` within one segment, a pattern also excludes what is below it. */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((pattern) => {
      if (pattern.startsWith('!')) throw new Error('negated .dockerignore patterns are not supported by this matcher');
      const source = pattern
        .replace(/^\.\//, '')
        .split('/')
        .map((segment) => (segment === '**' ? '.*' : segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
        .join('/')
        .replace(/\.\*\//g, '(?:.*/)?');
      return new RegExp(`^${source}(?:/.*)?$`);
    });
  return (path) => patterns.some((pattern) => pattern.test(path));
}
