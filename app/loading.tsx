import { Loading } from '@/components/ui/states';

export default function PageLoading() {
  return <Loading what="the page" />;
}
