"""A scanner process for the shared-limits tests: opens connections through the checks' connector.

python -m tests.checks.limits_client ADDRESS PORT COUNT --url REDIS --prefix P [--per-address K]
    [--rate R] [--lease S] [--hold-forever]

Opens COUNT connections at once (each waits for its slot and its turn), reads each answer to the end,
closes. With --hold-forever it takes one slot of ADDRESS, prints "holding" and sleeps (to be killed).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from checks.connector import Connector, close_quietly
from checks.shared_limits import RedisLimiter


async def main(arguments: argparse.Namespace) -> int:
    limiter = RedisLimiter(
        arguments.url,
        connections_per_second=arguments.rate,
        lease_seconds=arguments.lease,
        prefix=arguments.prefix,
    )
    connector = Connector(
        allow_private_addresses=True,
        per_address_connections=arguments.per_address,
        connect_timeout=5,
        io_timeout=10,
        limiter=limiter,
    )
    try:
        if arguments.hold_forever:
            await limiter.slot("address:" + arguments.address, arguments.per_address)
            print("holding", flush=True)
            await asyncio.sleep(3600)
            return 0

        async def one() -> bytes:
            reader, writer = await connector.open_tcp(arguments.address, arguments.port)
            try:
                return await asyncio.wait_for(reader.read(), 10)
            finally:
                await close_quietly(writer)

        answers = await asyncio.gather(*(one() for _ in range(arguments.count)))
        print(f"answers {sum(1 for a in answers if a.endswith(b'ok'))}", flush=True)
        return 0
    finally:
        await connector.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("address")
    parser.add_argument("port", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("--url", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--per-address", type=int, default=0)
    parser.add_argument("--rate", type=float, default=0)
    parser.add_argument("--lease", type=float, default=15)
    parser.add_argument("--hold-forever", action="store_true")
    sys.exit(asyncio.run(main(parser.parse_args())))
