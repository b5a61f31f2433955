"""The official openai client against `agentcoder serve`: a chat, a streamed
chat, and a tool-call round trip (call -> tool result -> answer).

    python openai_client.py BASE_URL TUNED_MODEL BASE_MODEL
"""
import json
import sys

from openai import OpenAI

url, tuned, base = sys.argv[1:4]
client = OpenAI(base_url=url, api_key="not-needed", max_retries=0, timeout=300)

ids = [m.id for m in client.models.list()]
assert ids == [base, tuned], ids

chat = client.chat.completions.create(
    model=base, messages=[{"role": "user", "content": "Say hello."}], max_tokens=16
)
text = chat.choices[0].message.content
assert text and chat.usage.completion_tokens > 0, chat
print("chat:", repr(text))

parts = []
for chunk in client.chat.completions.create(
    model=base, messages=[{"role": "user", "content": "Say hello."}], max_tokens=16, stream=True
):
    if chunk.choices and chunk.choices[0].delta.content:
        parts.append(chunk.choices[0].delta.content)
assert "".join(parts) == text, (parts, text)
print("stream: same text in", len(parts), "chunks")

tools = [{
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name"}},
            "required": ["city"],
        },
    },
}]
messages = [{"role": "user", "content": "What is the weather in Madrid?"}]
first = client.chat.completions.create(model=tuned, messages=messages, tools=tools, max_tokens=96)
msg = first.choices[0].message
assert first.choices[0].finish_reason == "tool_calls", first
call = msg.tool_calls[0]
assert call.function.name == "get_weather", call
assert json.loads(call.function.arguments) == {"city": "Madrid"}, call
print("tool call:", call.function.name, call.function.arguments)

messages.append(msg.model_dump(exclude_none=True))
messages.append({"role": "tool", "tool_call_id": call.id, "content": "21 C and sunny"})
second = client.chat.completions.create(model=tuned, messages=messages, tools=tools, max_tokens=48)
assert second.choices[0].message.content or second.choices[0].message.tool_calls, second
print("after the tool result:", repr(second.choices[0].message.content))
print("openai client: ok")
