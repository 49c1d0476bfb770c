import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="space-y-2">
      <h1 className="text-xl font-semibold">Not found</h1>
      <p className="text-sm text-zinc-500">There is no such service, deployment or release.</p>
      <Link href="/" className="text-sm text-sky-700 hover:underline dark:text-sky-400">
        Back to the overview
      </Link>
    </div>
  );
}
