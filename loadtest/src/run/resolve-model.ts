import { request } from 'undici';

/** The model to put in request bodies: the scenario's, or for `auto` the first id of GET /v1/models. */
export async function resolveModel(baseUrl: string, configured: string): Promise<string> {
  if (configured !== 'auto') return configured;
  const response = await request(`${baseUrl}/v1/models`, { method: 'GET', headersTimeout: 10_000, bodyTimeout: 10_000 });
  const json = (await response.body.json()) as { data?: { id?: string }[] };
  const id = json.data?.[0]?.id;
  if (response.statusCode !== 200 || typeof id !== 'string') throw new Error(`api.model is "auto" but GET ${baseUrl}/v1/models gave no model (status ${response.statusCode}); set api.model in the scenario`);
  return id;
}
