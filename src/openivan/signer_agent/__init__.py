"""openivan-signer: the local signing agent.

A small program on the user's computer: web pages the user approved ask it, over
http://127.0.0.1, to sign BHXH documents with a USB token; the user sees in the agent's own
window what will be signed and types the PIN there. It uses `openivan.core`, nothing of Django.
"""

VERSION = "0.1.0"
