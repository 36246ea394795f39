import { describe, expect, it } from 'vitest';
import { inputTokens, outputTokens, readConversation, resolveTool } from './request.js';
import { loremWords, planReply, splitWords } from './script.js';

const user = (text: string) => ({ role: 'user', content: [{ type: 'text', text }] });
const reminder = (text: string) => ({ type: 'text', text: `<system-reminder>\n${text}\n</system-reminder>\n` });
const assistantTool = (id: string, name: string, input: object) => ({ role: 'assistant', content: [{ type: 'tool_use', id, name, input }] });
const toolResult = (id: string, text: string, isError = false) => ({
  role: 'user',
  content: [{ type: 'tool_result', tool_use_id: id, content: [{ type: 'text', text }], ...(isError ? { is_error: true } : {}) }],
});
const envBlock = { role: 'system', content: [{ type: 'text', text: '# Environment\n...' }] };
const tools = [{ name: 'mcp__wx__get_weather' }, { name: 'Read' }];
const body = (messages: object[], extra: object = {}) => ({ model: 'm', messages, tools, ...extra });
const textOf = (b: object) => {
  const plan = planReply(b);
  expect(plan.blocks).toHaveLength(1);
  const block = plan.blocks[0]!;
  if (block.type !== 'text') throw new Error(`expected text, got ${block.type}`);
  return block.text;
};

describe('readConversation', () => {
  it('takes the newest real user text and skips system roles and reminders', () => {
    const c = readConversation(body([{ role: 'user', content: [reminder('attribution'), { type: 'text', text: 'hi' }] }, envBlock]));
    expect(c).toMatchObject({ prompt: 'hi', step: 0, history: 1, stream: false, model: 'm' });
  });

  it('counts history like the CLI sends it: first turn 1, second turn 3', () => {
    const first = [user('one'), envBlock];
    const second = [user('one'), { role: 'system', content: 'env as string' }, { role: 'assistant', content: [{ type: 'text', text: 'r' }] }, user('two')];
    expect(readConversation(body(first)).history).toBe(1);
    expect(readConversation(body(second))).toMatchObject({ prompt: 'two', history: 3 });
  });

  it('does not count a user message made only of reminders', () => {
    expect(readConversation(body([user('a'), { role: 'user', content: [reminder('x')] }])).history).toBe(1);
  });

  it('treats tool_result messages as steps, not prompts', () => {
    const c = readConversation(
      body([user('go'), assistantTool('t1', 'Read', {}), toolResult('t1', 'one'), assistantTool('t2', 'Read', {}), toolResult('t2', 'two', true)]),
    );
    expect(c.prompt).toBe('go');
    expect(c.step).toBe(2);
    expect(c.toolResults).toEqual([
      { toolUseId: 't1', text: 'one', isError: false },
      { toolUseId: 't2', text: 'two', isError: true },
    ]);
  });

  it('accepts string content and garbage without throwing', () => {
    expect(readConversation(body([{ role: 'user', content: 'plain' }])).prompt).toBe('plain');
    expect(readConversation(null)).toMatchObject({ prompt: '', step: 0, history: 0, tools: [] });
    expect(readConversation({ messages: [1, null, { role: 'user', content: 5 }] }).prompt).toBe('');
  });
});

describe('helpers', () => {
  it('resolves exact names first, then MCP suffixes', () => {
    expect(resolveTool(tools, 'Read')).toBe('Read');
    expect(resolveTool(tools, 'get_weather')).toBe('mcp__wx__get_weather');
    expect(resolveTool(tools, 'weather')).toBeUndefined();
  });

  it('splits words so the pieces join back to the text', () => {
    expect(splitWords('a bb  ccc')).toEqual(['a ', 'bb  ', 'ccc']);
    expect(splitWords('a bb  ccc').join('')).toBe('a bb  ccc');
    expect(splitWords('')).toEqual([]);
  });

  it('counts tokens as ceil(chars / 4)', () => {
    const system = [{ type: 'text', text: 'sys' }];
    const b = body([user('hello')], { system });
    expect(inputTokens(b)).toBe(Math.ceil(JSON.stringify({ system, messages: b.messages, tools: b.tools }).length / 4));
    expect(outputTokens('12345')).toBe(2);
    expect(loremWords(45).split(' ')).toHaveLength(45);
  });
});

describe('planReply', () => {
  it('echoes plain prompts with the history count', () => {
    expect(textOf(body([user('  hello  ')]))).toBe('Echo: hello [history: 1 messages]');
  });

  it('MOCK tool: call, then report the result or the failure', () => {
    const p0 = planReply(body([user('MOCK tool get_weather {"city":"Oslo"}')]));
    expect(p0).toMatchObject({ stopReason: 'tool_use', blocks: [{ type: 'tool_use', name: 'mcp__wx__get_weather', input: { city: 'Oslo' } }] });
    const after = (r: object) => body([user('MOCK tool get_weather {"city":"Oslo"}'), assistantTool('t', 'mcp__wx__get_weather', {}), r]);
    expect(textOf(after(toolResult('t', 'Cold')))).toBe('Tool get_weather returned: Cold');
    expect(textOf(after(toolResult('t', 'boom', true)))).toBe('Tool get_weather failed: boom');
    expect(textOf(body([user('MOCK tool nope {}')]))).toBe('Mock: no tool named nope');
    expect(textOf(body([user('MOCK tool Read [1]')]))).toMatch(/^Mock: tool input must be a JSON object/);
    expect(planReply(body([user('MOCK tool Read')])).blocks[0]).toEqual({ type: 'tool_use', name: 'Read', input: {} });
  });

  it('MOCK chain: one call per step, then the list of results', () => {
    const prompt = user('MOCK chain [{"name":"Read","input":{"p":1}},{"name":"get_weather","input":{"city":"Rome"}}]');
    expect(planReply(body([prompt])).blocks[0]).toEqual({ type: 'tool_use', name: 'Read', input: { p: 1 } });
    const s1 = [prompt, assistantTool('a', 'Read', {}), toolResult('a', 'file')];
    expect(planReply(body(s1)).blocks[0]).toEqual({ type: 'tool_use', name: 'mcp__wx__get_weather', input: { city: 'Rome' } });
    const s2 = [...s1, assistantTool('b', 'mcp__wx__get_weather', {}), toolResult('b', 'Sunny', true)];
    expect(textOf(body(s2))).toBe('Chain results: 1) file 2) failed: Sunny');
    expect(textOf(body([user('MOCK chain {"x":1}')]))).toMatch(/^Mock: chain needs/);
  });

  it('MOCK slow, think, long', () => {
    expect(planReply(body([user('MOCK slow 25 a b c')]))).toMatchObject({ tokenDelayMs: 25, blocks: [{ type: 'text', text: 'a b c' }] });
    const lorem = planReply(body([user('MOCK slow 5')])).blocks[0];
    expect(lorem?.type === 'text' && lorem.text.split(' ').length).toBe(40);
    expect(planReply(body([user('MOCK think why')])).blocks).toEqual([
      { type: 'thinking', thinking: 'Thinking about: why', signature: 'mock-signature' },
      { type: 'text', text: 'why' },
    ]);
    expect(textOf(body([user('MOCK long 7')])).split(' ')).toHaveLength(7);
    expect(textOf(body([user('MOCK long many')]))).toBe('Mock: long needs <word-count>');
  });

  it('MOCK fail carries the fault and an echo fallback', () => {
    expect(planReply(body([user('MOCK fail 529 times=2')]))).toMatchObject({
      fault: { kind: '529', times: 2, key: 'MOCK fail 529 times=2' },
      blocks: [{ type: 'text', text: 'Echo: MOCK fail 529 times=2 [history: 1 messages]' }],
    });
    expect(planReply(body([user('MOCK fail hang')])).fault).toEqual({ kind: 'hang', key: 'MOCK fail hang' });
    expect(textOf(body([user('MOCK fail 503')]))).toMatch(/^Mock: fail needs one of/);
  });

  it('flags unknown directives instead of echoing them', () => {
    expect(textOf(body([user('MOCK tols x')]))).toBe('Mock: unknown directive tols');
    expect(textOf(body([user('MOCK')]))).toBe('Mock: missing directive after MOCK');
    expect(textOf(body([user('MOCKERY is not a directive')]))).toBe('Echo: MOCKERY is not a directive [history: 1 messages]');
  });

  it('weather heuristic needs both the phrase and the tool', () => {
    expect(planReply(body([user("What's the weather in São Paulo?")])).blocks[0]).toEqual({
      type: 'tool_use',
      name: 'mcp__wx__get_weather',
      input: { city: 'São Paulo' },
    });
    expect(textOf(body([user('weather for Paris.')], { tools: [{ name: 'Read' }] }))).toBe('Echo: weather for Paris. [history: 1 messages]');
    const done = [user('weather at Nice.'), assistantTool('w', 'get_weather', {}), toolResult('w', 'Windy')];
    expect(textOf(body(done, { tools: [{ name: 'get_weather' }] }))).toBe('The weather in Nice: Windy');
  });
});

describe('structured output (the CLI’s StructuredOutput tool)', () => {
  const schema = {
    type: 'object',
    properties: { city: { type: 'string' }, n: { type: 'integer' }, ok: { type: 'boolean' }, kind: { enum: ['a', 'b'] }, tags: { type: 'array', items: { type: 'string' } } },
  };
  const offered = [{ name: 'StructuredOutput', input_schema: schema }];

  it('step 0 calls the tool with the smallest value of its schema, strings being the prompt', () => {
    const plan = planReply({ model: 'm', messages: [user('Oslo')], tools: offered });
    expect(plan.stopReason).toBe('tool_use');
    expect(plan.blocks[0]).toEqual({ type: 'tool_use', name: 'StructuredOutput', input: { city: 'Oslo', n: 1, ok: true, kind: 'a', tags: ['Oslo'] } });
  });

  it('after the call, a short text; directives still win over it', () => {
    const after = { model: 'm', messages: [user('Oslo'), assistantTool('t1', 'StructuredOutput', {}), toolResult('t1', 'ok')], tools: offered };
    expect(textOf(after)).toBe('Done.');
    expect(textOf({ model: 'm', messages: [user('MOCK long 2')], tools: offered })).toBe('lorem ipsum');
  });
});
