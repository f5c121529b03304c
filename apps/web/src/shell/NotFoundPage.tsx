import { Link } from '../routing/Link.js';
import { PageTitle } from './PageTitle.js';

export function NotFoundPage() {
  return (
    <>
      <PageTitle title="Not found">Page not found</PageTitle>
      <p>
        There is no such page in the dashboard.{' '}
        <Link to={{ kind: 'overview', team: null }}>See your apps</Link>.
      </p>
    </>
  );
}
