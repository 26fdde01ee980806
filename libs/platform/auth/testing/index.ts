export * from './header-auth.module';
