import { Module } from '@nestjs/common';
import { FeedSubscriptions } from './feed-subscriptions.js';
import { TopicFeed } from './topic-feed.js';
import { UserChanges } from './user-changes.js';

/** Topic delivery through rooms: who receives which event, subscriptions and replays. */
@Module({
  providers: [TopicFeed, FeedSubscriptions, UserChanges],
  exports: [TopicFeed, FeedSubscriptions, UserChanges],
})
export class FeedModule {}
